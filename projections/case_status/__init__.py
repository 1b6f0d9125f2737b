"""Case status: each subject's case with its detections and decisions."""
