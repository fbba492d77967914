"""Reference data for Passerelle: geography, employers, schools, names and institutions."""
