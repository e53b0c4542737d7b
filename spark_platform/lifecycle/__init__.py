"""Tools for a platform's life after its first deploy (docs/operations.md).

Nothing here imports the CDK: these modules read a synthesized cloud assembly (``cdk.out``) and,
where they must, talk to AWS with boto3 in the AWS tools environment (``.venv-aws``).
"""
