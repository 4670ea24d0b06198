"""Code a lesson wrote that a later one reuses (perceptron, convolution, anatomy); imports only ``core``."""
