"""The platform's SSM documents as they exist after `cdk deploy`, in a moto account.

Shared by the Airflow tests (tests_airflow/) and the AWS tools' tests (tests_aws/), each in its own
virtual environment: plain Python and boto3, no CDK. The templates' intrinsic functions are
resolved the way CloudFormation resolves them, with the virtual clusters and roles created in moto.
"""

from __future__ import annotations

ACCOUNT, REGION = "123456789012", "eu-west-1"


class Deployment:
    """Resolves a template's intrinsic functions the way CloudFormation would after deploy."""

    def __init__(self, template: dict, physical: dict[tuple[str, str], str]) -> None:
        self.template = template
        self.physical = physical
        self.pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def value(self, node):
        if isinstance(node, str):
            return node
        if isinstance(node, list):
            return [self.value(item) for item in node]
        ((function, argument),) = node.items()
        if function == "Ref":
            return self.pseudo.get(argument) or self.physical[(argument, "Ref")]
        if function == "Fn::GetAtt":
            return self.physical[(argument[0], argument[1])]
        if function == "Fn::Join":
            return argument[0].join(self.value(part) for part in argument[1])
        if function == "Fn::Split":
            return self.value(argument[1]).split(argument[0])
        if function == "Fn::Select":
            return self.value(argument[1])[argument[0]]
        if function == "Fn::Sub":
            text = argument
            for name, value in self.pseudo.items():
                text = text.replace("${" + name + "}", value)
            return text
        raise NotImplementedError(function)

    def parameters(self) -> dict[str, str]:
        return {
            resource["Properties"]["Name"]: self.value(resource["Properties"]["Value"])
            for resource in self.template["Resources"].values()
            if resource["Type"] == "AWS::SSM::Parameter" and "Name" in resource["Properties"]
        }


def publish_documents(teams: dict, images: dict, *, emr, iam, ssm, name_prefix: str = "spark") -> dict[str, str]:
    """Create the teams' virtual clusters and roles in moto and publish the team and image
    documents as CloudFormation would; returns the virtual cluster id of each team (by name)."""
    physical: dict[tuple[str, str], str] = {}
    clusters: dict[str, str] = {}
    for logical_id, resource in teams["Resources"].items():
        props = resource["Properties"]
        if resource["Type"] == "AWS::EMRContainers::VirtualCluster":
            namespace = props["ContainerProvider"]["Info"]["EksInfo"]["Namespace"]
            cluster = emr.create_virtual_cluster(
                name=props["Name"],
                containerProvider={
                    "id": props["ContainerProvider"]["Id"],
                    "type": "EKS",
                    "info": {"eksInfo": {"namespace": namespace}},
                },
                tags={"spark-platform": name_prefix},
            )
            physical[(logical_id, "Id")] = cluster["id"]
            clusters[props["Name"].removeprefix(f"{name_prefix}-")] = cluster["id"]
        elif resource["Type"] == "AWS::IAM::Role":
            role = iam.create_role(RoleName=props["RoleName"], AssumeRolePolicyDocument="{}")
            physical[(logical_id, "Arn")] = role["Role"]["Arn"]
        elif resource["Type"] == "AWS::Logs::LogGroup":
            physical[(logical_id, "Ref")] = props["LogGroupName"]
    for logical_id, resource in images["Resources"].items():
        if resource["Type"] == "AWS::ECR::Repository":
            name = resource["Properties"]["RepositoryName"]
            physical[(logical_id, "Ref")] = name
            physical[(logical_id, "Arn")] = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}"
    for template in (teams, images):
        for name, value in Deployment(template, physical).parameters().items():
            ssm.put_parameter(Name=name, Value=value, Type="String")
    return clusters
