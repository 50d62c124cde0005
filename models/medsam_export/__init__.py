"""MedSAM -> ONNX export tooling: build (official segment_anything), export, quantise, prove parity, write the manifest."""
