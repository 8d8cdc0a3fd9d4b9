"""The photo pipeline: judging uploads, cleaning them, and making renditions.

Kept apart from the model so that every step can be tested, and benchmarked
(``bench/renditions.py``), on plain bytes.
"""
