"""Show the extension's refusal lines on the terminal."""

import logging

logging.basicConfig()
logging.getLogger("flask_crossorigin").setLevel(logging.INFO)
