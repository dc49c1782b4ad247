#!/bin/sh
# qvshsnapshottest.sh: qvsh's snapshot commands as a user runs them on a stopped domain:
# virsh's options, output shapes and exit codes, internal snapshots in a real qcow2 image.

. "$abs_top_srcdir/tests/tap.sh"

qvsh=$abs_top_builddir/tools/qvsh
root=$TAP_TMP/root
uri="qvirt:///embed?root=$root"
disk=$TAP_TMP/disk.qcow2
unset QVIRT_DEFAULT_URI
TZ=UTC
export TZ
# virsh ends a tree with its last leaf's indent, on a line of its own
end2=$(printf '\n%4s' '')
end3=$(printf '\n%8s' '')

# the example guest, stopped, with its disk a fresh qcow2 image
sed "s|/var/lib/qvirt/images/agent-guest.qcow2|$disk|" "$abs_top_srcdir/examples/agent-guest.xml" \
    > "$TAP_TMP/guest.xml"
if qemu-img create -q -f qcow2 "$disk" 16M; then ok "qemu-img creates the disk"; else not_ok "qemu-img creates the disk"; fi
run 0 "$qvsh" -c "$uri" define "$TAP_TMP/guest.xml"

# images: the internal snapshots qemu-img sees in the disk, sorted
images() {
    qemu-img snapshot -l "$disk" | awk 'NR > 2 { print $2 }' | sort | tr '\n' ' '
}

# ---- help ----
run 0 "$qvsh" help snapshot
expect_in "help lists the snapshot group" "$out" " Snapshot (help keyword 'snapshot'):"
expect_in "help lists snapshot-create-as" "$out" "    snapshot-create-as             "
run 0 "$qvsh" help snapshot-create-as
expect_in "snapshot-create-as takes name, description and diskspecs by position" "$out" \
    "snapshot-create-as <domain> [<name>] [<description>] [--print-xml]"
expect_in "... and --memspec only by name" "$out" "[--memspec <string>] [<diskspec>]..."
run 0 "$qvsh" help snapshot-list
expect_in "snapshot-list takes --from by position" "$out" "[--tree] [<from>] [--current]"

# ---- argument errors: nothing reaches the root ----
before=$(tree "$root")
run 1 "$qvsh" -c "$uri" snapshot-dumpxml agent-guest
expect_eq "snapshot-dumpxml needs a snapshot" "$rc:$err" "1:error: command 'snapshot-dumpxml' requires <snapshotname> option"
run 1 "$qvsh" -c "$uri" snapshot-info agent-guest
expect_eq "snapshot-info needs a snapshot or --current" "$rc:$err" "1:error: --snapshotname or --current is required"
run 1 "$qvsh" -c "$uri" snapshot-revert agent-guest s1 --current
expect_eq "a snapshot and --current conflict" "$rc:$err" "1:error: --snapshotname and --current are mutually exclusive"
run 1 "$qvsh" -c "$uri" snapshot-list agent-guest --tree --name
expect_eq "snapshot-list --tree --name" "$rc:$err" "1:error: Options --tree and --name are mutually exclusive"
run 1 "$qvsh" -c "$uri" snapshot-list agent-guest --roots --from s1
expect_eq "snapshot-list --roots --from" "$rc:$err" "1:error: Options --roots and --from are mutually exclusive"
run 1 "$qvsh" -c "$uri" snapshot-list agent-guest --tree --leaves
expect_eq "a filter with --tree" "$rc:$err" "1:error: --leaves and --tree are mutually exclusive"
run 1 "$qvsh" -c "$uri" snapshot-list agent-guest --descendants
expect_eq "--descendants alone" "$rc:$err" "1:error: --descendants requires either --from or --current"
run 1 "$qvsh" -c "$uri" snapshot-list agent-guest --from s1 --current
expect_eq "--from and --current" "$rc:$err" "1:error: --from and --current are mutually exclusive"
run 1 "$qvsh" -c "$uri" snapshot-create-as agent-guest --memspec snapshot=no,bogus
expect_eq "a bad memspec" "$rc:$err" "1:error: unable to parse memspec: snapshot=no,bogus"
run 1 "$qvsh" -c "$uri" snapshot-create-as agent-guest s1 --diskspec vda,bogus=1
expect_eq "a bad diskspec" "$rc:$err" "1:error: unable to parse diskspec: vda,bogus=1"
run 1 "$qvsh" -c "$uri" snapshot-create-as agent-guest s1 --diskspec vda,stype=tape
expect_eq "a bad storage type" "$rc:$err" "1:error: Unknown storage type: 'tape'
error: unable to parse diskspec: vda,stype=tape"
run 1 "$qvsh" -c "$uri" snapshot-create-as nosuch s1
expect_eq "an unknown domain" "$rc:$err" "1:error: failed to get domain 'nosuch'"
run 1 "$qvsh" -c "$uri" snapshot-create agent-guest "$TAP_TMP/nosuch.xml"
expect_eq "a missing XML file" "$rc:$err" "1:error: Failed to open file '$TAP_TMP/nosuch.xml': No such file or directory"

# ---- --print-xml: virsh's document, values escaped, ",," a comma ----
run 0 "$qvsh" -c "$uri" snapshot-create-as agent-guest "a<b&'c" 'say "hi"' --print-xml \
    --memspec snapshot=no vda,snapshot=internal \
    --diskspec 'vdb,snapshot=external,driver=qcow2,file=/img/b,,1'
expect_eq "--print-xml prints the document" "$out" "<domainsnapshot>
  <name>a&lt;b&amp;&apos;c</name>
  <description>say &quot;hi&quot;</description>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='internal'/>
    <disk name='vdb' snapshot='external'>
      <driver type='qcow2'/>
      <source file='/img/b,1'/>
    </disk>
  </disks>
</domainsnapshot>"
run 0 "$qvsh" -c "$uri" snapshot-create-as agent-guest --print-xml
expect_eq "--print-xml without options" "$out" "<domainsnapshot>
</domainsnapshot>"
run 0 "$qvsh" -c "$uri" snapshot-create-as agent-guest --print-xml --memspec /m,,1
expect_in "a memspec may be a bare path" "$out" "  <memory file='/m,1'/>"
expect_eq "the root is unchanged by all of that" "$(tree "$root")" "$before"

# ---- no snapshots yet ----
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest
expect_eq "an empty list is virsh's header" "$rc:$out" "0: Name   Creation Time   State
-------------------------------"
run 1 "$qvsh" -c "$uri" snapshot-current agent-guest
expect_eq "no current snapshot" "$rc:$err" "1:error: domain 'agent-guest' has no current snapshot"
run 1 "$qvsh" -c "$uri" snapshot-dumpxml agent-guest s1
expect_match "... with the library's reason" "$err" "^error: Domain snapshot not found: .*'s1'"

printf '<domainsnapshot>\n  <name>x</name>\n  <disks><disk/></disks>\n</domainsnapshot>\n' \
    > "$TAP_TMP/bad.xml"
run 1 "$qvsh" -c "$uri" snapshot-create agent-guest "$TAP_TMP/bad.xml"
expect_eq "an error in the XML names the file and line" "$rc:$err" \
    "1:error: XML error: $TAP_TMP/bad.xml:3: missing attribute 'name' of <disk>"

# ---- create: s1 <- s2 <- AUTO, and s1 <- f1 after a revert ----
run 0 "$qvsh" -c "$uri" snapshot-create-as agent-guest s1 "the first"
expect_eq "snapshot-create-as" "$rc:$out" "0:Domain snapshot s1 created"
run 0 "$qvsh" -c "$uri" snapshot-create-as agent-guest --name s2 --description "the second"
expect_eq "snapshot-create-as --name" "$rc:$out" "0:Domain snapshot s2 created"
run 0 "$qvsh" -c "$uri" snapshot-create agent-guest
expect_match "takes a name from the time" "$out" "^Domain snapshot [0-9]+ created$"
auto=$(printf '%s\n' "$out" | sed -n 's/^Domain snapshot \([0-9]*\) created$/\1/p')
run 1 "$qvsh" -c "$uri" snapshot-create-as agent-guest s1
expect_match "... and says so" "$err" "^error: .*'s1' already exists"
expect_eq "qemu-img sees the internal snapshots" "$(images)" "$(printf '%s\n' "$auto" s1 s2 | sort | tr '\n' ' ')"

run 0 "$qvsh" -c "$uri" snapshot-list agent-guest
expect_match "a row: name, creation time, state" "$out" "^ s1 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000   shutoff$"
expect_eq "sorted by name" "$(printf '%s\n' "$out" | awk 'NR > 2 && NF { print $1 }' | tr '\n' ' ')" \
    "$auto s1 s2 "
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --parent
expect_match "--parent adds the column" "$out" "^ Name +Creation Time +State +Parent$"
expect_match "s2's parent is s1" "$out" "^ s2 .* shutoff   s1$"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --name --topological
expect_eq "--name --topological: parents first" "$out" "s1
s2
$auto"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --tree
expect_eq "--tree draws virsh's tree" "$out" "s1
  |
  +- s2
      |
      +- $auto$end3"

run 0 "$qvsh" -c "$uri" snapshot-info agent-guest s1
expect_eq "snapshot-info" "$out" "Name:           s1
Domain:         agent-guest
Current:        no
State:          shutoff
Location:       internal
Parent:         -
Children:       1
Descendants:    2
Metadata:       yes"
run 0 "$qvsh" -c "$uri" snapshot-info agent-guest --current
expect_in "snapshot-info --current" "$out" "Name:           $auto
Domain:         agent-guest
Current:        yes"
run 0 "$qvsh" -c "$uri" snapshot-current agent-guest --name
expect_eq "snapshot-current --name" "$out" "$auto"
run 0 "$qvsh" -c "$uri" snapshot-current agent-guest
expect_in "snapshot-current prints the XML" "$out" "<name>$auto</name>"
run 0 "$qvsh" -c "$uri" snapshot-dumpxml agent-guest s2
expect_in "snapshot-dumpxml" "$out" "  <name>s2</name>
  <description>the second</description>
  <state>shutoff</state>
  <parent>
    <name>s1</name>
  </parent>"
expect_in "... with the domain as it was" "$out" "<name>agent-guest</name>"
run 0 "$qvsh" -c "$uri" snapshot-parent agent-guest s2
expect_eq "snapshot-parent" "$rc:$out" "0:s1"
run 1 "$qvsh" -c "$uri" snapshot-parent agent-guest s1
expect_eq "a root has no parent" "$rc:$err" "1:error: snapshot 's1' has no parent"

# ---- revert, then a sibling from a file ----
run 0 "$qvsh" -c "$uri" snapshot-revert agent-guest s1
expect_eq "snapshot-revert prints nothing" "$rc:$out:$err" "0::"
run 0 "$qvsh" -c "$uri" snapshot-current agent-guest --name
expect_eq "the snapshot reverted to is current" "$out" "s1"
run 1 "$qvsh" -c "$uri" snapshot-revert agent-guest s1 --running --paused
printf '<domainsnapshot>\n  <name>f1</name>\n  <description>from a file</description>\n</domainsnapshot>\n' \
    > "$TAP_TMP/f1.xml"
run 0 "$qvsh" -c "$uri" snapshot-create agent-guest "$TAP_TMP/f1.xml"
expect_eq "snapshot-create FILE" "$rc:$out" "0:Domain snapshot f1 created from '$TAP_TMP/f1.xml'"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --tree
expect_eq "the tree has siblings" "$out" "s1
  |
  +- f1
  +- s2
      |
      +- $auto$end3"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --roots --name
expect_eq "--roots" "$out" "s1"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --leaves --name
expect_eq "--leaves" "$out" "$auto
f1"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --no-leaves --name
expect_eq "--no-leaves" "$out" "s1
s2"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest s1 --name
expect_eq "--from by position: the children" "$out" "f1
s2"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --from s1 --descendants --name
expect_eq "--from --descendants" "$out" "$auto
f1
s2"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --from s2 --tree
expect_eq "--from --tree starts at the snapshot" "$out" "s2
  |
  +- $auto$end2"

# ---- bash completion of snapshot names ----
run 0 "$qvsh" complete -- -c "$uri" snapshot-info agent-guest ""
expect_eq "complete: the domain's snapshots" "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" "$auto f1 s1 s2 "
run 0 "$qvsh" complete -- -c "$uri" snapshot-list --domain agent-guest --from f
expect_eq "complete: --from by prefix" "$out" "f1"
run 0 "$qvsh" complete -- -c "$uri" snapshot-revert agent-guest --snapshotname=s
expect_eq "complete: --snapshotname=" "$(printf '%s\n' "$out" | tr '\n' ' ')" "--snapshotname=s1 --snapshotname=s2 "
run 0 "$qvsh" complete -- -c "$uri" snapshot-create-as agent-guest ""
expect_eq "complete: nothing for a new name" "$rc:$out" "0:"
run 0 "$qvsh" complete -- -c "$uri" snapshot-info nosuch ""
expect_eq "complete: nothing for an unknown domain" "$rc:$out:$err" "0::"

# ---- delete ----
run 1 "$qvsh" -c "$uri" snapshot-delete agent-guest s2 --children --children-only
expect_in "... after virsh's line" "$err" "error: Failed to delete snapshot s2"
run 1 "$qvsh" -c "$uri" snapshot-delete agent-guest nosuch
expect_match "deleting an unknown snapshot" "$rc:$err" "^1:error: Domain snapshot not found: "
run 0 "$qvsh" -c "$uri" snapshot-delete agent-guest s2 --children-only
expect_eq "--children-only" "$rc:$out" "0:Domain snapshot s2 children deleted"
expect_eq "the child's image snapshot is gone" "$(images)" "f1 s1 s2 "
run 0 "$qvsh" -c "$uri" snapshot-delete agent-guest s2
expect_eq "snapshot-delete" "$rc:$out" "0:Domain snapshot s2 deleted"
run 0 "$qvsh" -c "$uri" snapshot-delete agent-guest f1 --metadata
expect_eq "snapshot-delete --metadata" "$rc:$out" "0:Domain snapshot f1 deleted"
expect_eq "--metadata leaves the image snapshot" "$(images)" "f1 s1 "
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --name
expect_eq "one snapshot is left" "$out" "s1"
run 0 "$qvsh" -c "$uri" snapshot-current agent-guest --name
expect_eq "the parent of a deleted current snapshot becomes current" "$out" "s1"
run 0 "$qvsh" -c "$uri" snapshot-delete agent-guest --current --children
expect_eq "--current --children" "$rc:$out" "0:Domain snapshot s1 deleted"
run 0 "$qvsh" -c "$uri" snapshot-list agent-guest --name
expect_eq "none is left" "$rc:$out" "0:"
run 1 "$qvsh" -c "$uri" snapshot-delete agent-guest --current

done_testing
