"""lernpy: a neural network you can open up."""
