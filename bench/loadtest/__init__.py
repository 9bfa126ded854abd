"""Building blocks of bench/load.py: corpus, load driver, processes, /proc sampling."""
