"""rules stage."""
X = 'rules'
