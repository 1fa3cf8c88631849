"""Quick replies: the buttons over an agent's reply box, pinned per agent, with shop defaults."""
