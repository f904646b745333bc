"""What is not one feature's: help, privacy, language, cancel, free text, menus, groups, flood."""
