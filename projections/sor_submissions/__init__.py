"""Read model: each statement of reasons' submission to the DSA Transparency Database."""
