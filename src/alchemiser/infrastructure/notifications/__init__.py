"""Delivery channels (SMTP email, webhook) and the rendering of what they send."""
