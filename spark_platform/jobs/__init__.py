"""Jobs as EMR on EKS runs them: what a submission carries, the pods it creates, where they fit."""
