"""The seed's experiments; ``openai_gym`` holds the image-preprocessing wrappers for Gymnasium environments."""
