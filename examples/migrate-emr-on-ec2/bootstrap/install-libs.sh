#!/bin/bash
# Bootstrap action of the nightly-sales cluster: runs on every node when the cluster starts.
set -euo pipefail
sudo yum install -y libgomp
sudo python3 -m pip install pyarrow==17.0.0 holidays==0.57
