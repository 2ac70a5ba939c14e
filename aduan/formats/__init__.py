"""Date, time and number formats per language (settings.FORMAT_MODULE_PATH).

Both languages write dates day first with the month as a word, and times on a 24-hour
clock: "6 Desember 2026", "6 Des 2026 14.48" and "6 December 2026", "6 Dec 2026 14:48".
The long formats (DATE_FORMAT, DATETIME_FORMAT) name the month in full, the short ones
abbreviate it; templates, exports and the recap use these names rather than patterns of
their own. Numbers keep Django's separators for each language (1.234,5 and 1,234.5).
"""
