"""The Barchart Event Tracking API: events, asynchronous report exports, service info."""
