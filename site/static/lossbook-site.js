/* lossbook site script (added to every page by site/lossbook_site.py). */
