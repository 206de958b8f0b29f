"""lgsco-letters: the Ombudsman's Annual Review letters, from statistics to PDF."""

__version__ = "0.1.0"
