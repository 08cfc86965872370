"""The vision plugin: product photos into the graph as Image and Detection nodes.

It trains and runs an Ultralytics YOLO segmentation model on catalog photos, labels
each detection with the graph's own Category and Colour nodes, embeds it with
EfficientNet-Lite0 for visual search, and talks to the rest of shopgraph only
through the graph.
"""
