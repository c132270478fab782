"""Consistency rules and the label lexicon, kept as data files people can read and extend."""
