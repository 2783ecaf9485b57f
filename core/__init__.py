"""The bottom floor: settings, the clock, the heap policy. Imports nothing of Muster's, so every
other package may import it and it can never take part in a cycle."""
