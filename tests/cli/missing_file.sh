#!/bin/bash
# An unreadable local file is curl's error 37, with libcurl's message.
. "$(dirname "$0")/lib.sh"
step "missing file" "file://$WORK/no-such-file.pkl"
expect_rc 37
finish
