"""ECR's lifecycle policy evaluation, as the ECR User Guide documents it ("Lifecycle policy
evaluation rules" and "Lifecycle policy parameters"):

* rules apply in order of rulePriority, lowest first;
* an image that matches the tagging requirements of a rule cannot be expired by a rule with a
  lower priority (a higher rulePriority number);
* ``tagStatus``: ``tagged`` (with ``tagPrefixList`` or ``tagPatternList``, ``*`` matching any run
  of characters), ``untagged`` or ``any``; an image matches when any of its tags does;
* ``imageCountMoreThan`` N keeps the N most recently pushed images the rule selects and expires the
  rest; ``sinceImagePushed`` N days expires those pushed more than N days ago.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    digest: str
    tags: tuple[str, ...]
    pushed_days_ago: float


def _selects(selection: dict, image: Image) -> bool:
    status = selection["tagStatus"]
    if status == "any":
        return True
    if status == "untagged":
        return not image.tags
    if "tagPatternList" in selection:
        return any(fnmatch.fnmatchcase(tag, pattern) for tag in image.tags for pattern in selection["tagPatternList"])
    return any(tag.startswith(prefix) for tag in image.tags for prefix in selection["tagPrefixList"])


def expired(rules: list[dict], images: list[Image]) -> set[str]:
    """Digests of the images the policy expires."""
    claimed: set[str] = set()
    gone: set[str] = set()
    for rule in sorted(rules, key=lambda r: r["rulePriority"]):
        selection = rule["selection"]
        matched = [i for i in images if i.digest not in claimed and _selects(selection, i)]
        claimed |= {i.digest for i in matched}
        if selection["countType"] == "imageCountMoreThan":
            newest_first = sorted(matched, key=lambda i: i.pushed_days_ago)
            gone |= {i.digest for i in newest_first[selection["countNumber"] :]}
        else:
            gone |= {i.digest for i in matched if i.pushed_days_ago > selection["countNumber"]}
    return gone
