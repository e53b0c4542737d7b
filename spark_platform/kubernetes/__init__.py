"""Package data: the Kubernetes YAML (NodePools, node class, pod templates, team namespace).

Read through ``spark_platform.manifests`` with ``importlib.resources``, so the files load the
same way from a checkout and from an installed wheel.
"""
