"""warehouse stage."""
X = 'warehouse'
