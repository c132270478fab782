"""normalize stage."""
X = 'normalize'
