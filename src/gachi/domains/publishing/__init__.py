"""Publishing: an organisation's public formula book per reporting year, its versions and
restatements (with the difference attributed to data, proxy values and method), the reports of
a book, and the opt-in comparison of organisations that publish."""
