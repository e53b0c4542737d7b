"""The job-run twin: real Kubernetes API servers and scheduler, the pods EMR on EKS creates."""
