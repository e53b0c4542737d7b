"""The network stack: node subnets, the pod address space, endpoints and flow logs."""

from __future__ import annotations

from aws_cdk.assertions import Match

NETWORK = "spark-network"


def test_vpc_spans_three_zones_with_public_and_private_node_subnets(sandbox):
    subnets = sandbox.resources("AWS::EC2::Subnet")
    node_and_public = [s for s in subnets.values() if "100.64." not in str(s["Properties"]["CidrBlock"])]
    zones = {s["Properties"]["AvailabilityZone"] for s in node_and_public}
    assert zones == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}
    cidrs = sorted(s["Properties"]["CidrBlock"] for s in node_and_public)
    # Three /24 public subnets share the first /18; each zone's nodes get a whole /18.
    assert cidrs == ["10.0.0.0/24", "10.0.1.0/24", "10.0.128.0/18", "10.0.192.0/18", "10.0.2.0/24", "10.0.64.0/18"]
    # Nothing in the VPC gets a public IP by default, not even in the public subnets.
    assert all(s["Properties"].get("MapPublicIpOnLaunch") is False for s in subnets.values())


def test_one_nat_gateway_per_zone_by_default_and_as_configured(sandbox, variant):
    assert len(sandbox.resources("AWS::EC2::NatGateway")) == 3
    assert len(variant.resources("AWS::EC2::NatGateway")) == 1


def test_pod_address_space_is_a_secondary_cidr_split_into_one_subnet_per_zone(sandbox):
    template = sandbox.template(NETWORK)
    template.has_resource_properties("AWS::EC2::VPCCidrBlock", {"CidrBlock": "100.64.0.0/16"})
    pod_subnets = {
        s["Properties"]["AvailabilityZone"]: s
        for s in sandbox.resources("AWS::EC2::Subnet").values()
        if s["Properties"]["CidrBlock"].startswith("100.64.")
    }
    assert {zone: s["Properties"]["CidrBlock"] for zone, s in pod_subnets.items()} == {
        "eu-west-1a": "100.64.0.0/18",
        "eu-west-1b": "100.64.64.0/18",
        "eu-west-1c": "100.64.128.0/18",
    }
    cidr_block_id = next(iter(sandbox.resources("AWS::EC2::VPCCidrBlock")))
    # A subnet in the secondary range can only be created once the range is attached.
    assert all(cidr_block_id in s.get("DependsOn", []) for s in pod_subnets.values())


def test_pod_subnets_route_through_the_node_route_table_of_the_same_zone(sandbox):
    resources = sandbox.templates[NETWORK]["Resources"]
    zone_of_subnet = {
        lid: r["Properties"]["AvailabilityZone"] for lid, r in resources.items() if r["Type"] == "AWS::EC2::Subnet"
    }
    table_zone = {}
    for association in sandbox.resources("AWS::EC2::SubnetRouteTableAssociation").values():
        table_zone.setdefault(association["Properties"]["RouteTableId"]["Ref"], set()).add(
            zone_of_subnet[association["Properties"]["SubnetId"]["Ref"]]
        )
    pod_subnet_ids = {
        lid
        for lid, r in resources.items()
        if r["Type"] == "AWS::EC2::Subnet" and "100.64." in r["Properties"]["CidrBlock"]
    }
    pod_tables = {
        a["Properties"]["RouteTableId"]["Ref"]
        for a in sandbox.resources("AWS::EC2::SubnetRouteTableAssociation").values()
        if a["Properties"]["SubnetId"]["Ref"] in pod_subnet_ids
    }
    assert len(pod_tables) == 3
    for table in pod_tables:
        assert len(table_zone[table]) == 1, "a route table must serve node and pod subnets of one zone only"
        default_route = next(
            r
            for r in resources.values()
            if r["Type"] == "AWS::EC2::Route" and r["Properties"]["RouteTableId"] == {"Ref": table}
        )
        assert "NatGatewayId" in default_route["Properties"]


def test_s3_gateway_endpoint_serves_the_route_tables_of_nodes_and_pods(sandbox):
    endpoints = [
        e
        for e in sandbox.resources("AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType") == "Gateway"
    ]
    assert len(endpoints) == 1
    assert "s3" in str(endpoints[0]["Properties"]["ServiceName"])
    served = {ref["Ref"] for ref in endpoints[0]["Properties"]["RouteTableIds"]}
    node_tables = {lid for lid in sandbox.resources("AWS::EC2::RouteTable") if "nodes" in lid}
    # Pod subnets use the node route tables, so pods reach S3 without touching NAT.
    assert len(node_tables) == 3
    assert node_tables <= served


def test_interface_endpoints_admit_https_from_the_pod_address_space(sandbox):
    interface = [
        e
        for e in sandbox.resources("AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType") == "Interface"
    ]
    services = sorted(str(e["Properties"]["ServiceName"]).split(".")[-1].strip("\"'}]") for e in interface)
    assert len(interface) == len(sandbox.config.network.interface_endpoints) == 5
    assert all(e["Properties"]["PrivateDnsEnabled"] is True for e in interface)
    assert services  # names are Fn::Join'd with the region; the count and the SG are what matter
    template = sandbox.template(NETWORK)
    for cidr in ("10.0.0.0/16", "100.64.0.0/16"):
        template.has_resource_properties(
            "AWS::EC2::SecurityGroup",
            {
                "SecurityGroupIngress": Match.array_with(
                    [Match.object_like({"CidrIp": cidr, "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp"})]
                )
            },
        )


def test_all_traffic_is_flow_logged_to_an_encrypted_log_group_with_retention(sandbox):
    template = sandbox.template(NETWORK)
    template.has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}
    )
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"RetentionInDays": 365, "KmsKeyId": Match.object_like({"Fn::GetAtt": Match.any_value()})},
    )
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_only_node_subnets_carry_the_karpenter_discovery_tag(sandbox):
    tagged = []
    for subnet in sandbox.resources("AWS::EC2::Subnet").values():
        tags = {t["Key"]: t["Value"] for t in subnet["Properties"].get("Tags", [])}
        if tags.get("karpenter.sh/discovery") == "spark-eks":
            tagged.append(subnet["Properties"]["CidrBlock"])
    assert sorted(tagged) == ["10.0.128.0/18", "10.0.192.0/18", "10.0.64.0/18"]


def test_default_security_group_is_stripped_of_rules(sandbox):
    assert len(sandbox.resources("Custom::VpcRestrictDefaultSG")) == 1
