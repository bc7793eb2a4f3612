"""The seed's experiments: ``boolean_reasoning`` (a toy environment for memory and Q-learning tests) and
``openai_gym`` (``EnvPool`` over any Gymnasium environment, and image-preprocessing wrappers)."""
