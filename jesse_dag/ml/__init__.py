"""Machine learning: data points, Jesse's CSV, training and its report, leak-free validation, model bundles."""
