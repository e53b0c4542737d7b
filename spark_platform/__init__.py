"""Construct library of the EMR-on-EKS Spark platform.

The package is deliberately not called ``constructs``: a top-level package of that name
shadows the CDK's own ``constructs`` library and ``import aws_cdk`` then fails with
``No module named 'constructs._jsii'``.
"""

from spark_platform._node import use_pinned_node

# jsii starts a Node.js process the first time aws_cdk is imported; point it at the
# project's pinned, supported Node.js before any submodule imports aws_cdk.
use_pinned_node()
