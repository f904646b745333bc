"""What every feature uses, and that knows no feature: settings, database, migrations, time,
i18n, text and Telegram plumbing."""
