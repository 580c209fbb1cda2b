"""Data: built-in data sets, CSV files, preprocessing, the network file format, worked examples."""
