"""The review queue: cases with detections awaiting a decision, most severe and most confident first."""
