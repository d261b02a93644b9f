#!/usr/bin/env bash
# Builds small local stand-ins for the built-in action images (python, r, ehrql, stata-mp,
# sqlrunner, jupyter, tpp-database-utils) from a static busybox root filesystem whose entrypoint is
# /bin/sh, named rap-standin/<name>:<tag> and labelled org.rap-runner.standin=true. They never take
# a real image's name (a machine that also runs real OpenSAFELY images must not get busybox under
# ghcr.io/...): an agent reaches them only through the `image_map` of the demo and test configs,
# `{"ghcr.io/opensafely-core/": "rap-standin/"}`. Usage: build-images.sh docker [podman]
set -euo pipefail
prefix="rap-standin"
names=(python r ehrql stata-mp sqlrunner jupyter tpp-database-utils)
tags=(v1 v2 latest)
busybox_bin="$(command -v busybox || echo /bin/busybox)"

rootfs_tar=""
make_rootfs() {
  [ -n "$rootfs_tar" ] && return
  local dir; dir="$(mktemp -d)"
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc" "$dir/rootfs/tmp" "$dir/rootfs/workspace"
  chmod 1777 "$dir/rootfs/tmp"
  chmod 0777 "$dir/rootfs/workspace"
  cp "$busybox_bin" "$dir/rootfs/bin/busybox"
  for applet in $("$dir/rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$dir/rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' > "$dir/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/rootfs/etc/group"
  tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
  rootfs_tar="$dir/rootfs.tar"
}

for runtime in "$@"; do
  for name in "${names[@]}"; do
    for tag in "${tags[@]}"; do
      image="$prefix/$name:$tag"
      if "$runtime" image inspect "$image" >/dev/null 2>&1; then continue; fi
      make_rootfs
      echo "[images] $runtime: $image" >&2
      quiet=(); [ "$runtime" = podman ] && quiet=(--quiet)  # podman narrates the copy on stderr
      "$runtime" import "${quiet[@]}" \
        --change 'ENTRYPOINT ["/bin/sh"]' --change 'ENV PATH=/bin' --change 'WORKDIR /workspace' \
        --change "LABEL org.opencontainers.image.version=$tag" --change "LABEL org.rap-runner.standin=true" \
        "$rootfs_tar" "$image" >/dev/null
    done
  done
done
[ -n "$rootfs_tar" ] && rm -rf "$(dirname "$rootfs_tar")"
exit 0
