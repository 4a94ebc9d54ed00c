"""`seaforge build`: one recipe from a real base model to an evaluated, exported model with a report card."""
