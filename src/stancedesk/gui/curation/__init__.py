"""The curation view: every annotator's spans side by side, the conflict queue, and
adjudication into gold by keyboard (the keys are listed in ``window.py``)."""
