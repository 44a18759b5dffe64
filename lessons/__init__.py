"""The learner-facing side: lesson texts, the control-plane client, live views and figures."""
