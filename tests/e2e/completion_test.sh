#!/usr/bin/env bash
# `mbench completion bash` completes what a user types: subcommands, options, the values of
# choice options, device ids and zoo names. Usage: completion_test.sh BUILD_DIR
set -u
build=$(cd "${1:?usage: completion_test.sh BUILD_DIR}" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin"
ln -s "$build/mbench" "$dir/bin/mbench"
export PATH="$dir/bin:$PATH"
script=$(mbench completion bash) || { echo "completion_test: mbench completion bash failed"; exit 1; }
eval "$script"

# Completes the last of the words given, as bash would at the end of that command line.
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _mbench
  echo "${COMPREPLY[*]}"
}

failures=0
expect() {
  local want=$1
  shift
  local got
  got=$(complete_line "$@")
  if [[ " $got " != *" $want "* ]]; then
    echo "completion_test: '$*' completes to '$got', expected '$want' among them"
    failures=$((failures + 1))
  fi
}
expect_not() {
  local unwanted=$1
  shift
  local got
  got=$(complete_line "$@")
  if [[ " $got " == *" $unwanted "* ]]; then
    echo "completion_test: '$*' completes to '$got', which should not hold '$unwanted'"
    failures=$((failures + 1))
  fi
}

expect grade mbench gr
expect completion mbench comp
expect query mbench db q
expect revoke mbench serve token r
expect --format mbench grade model.onnx --fo
expect --verbose mbench grade model.onnx --verb
expect csv mbench grade model.onnx --format c
expect html mbench grade model.onnx --format h
expect md mbench run model.onnx --format m
expect npu mbench grade model.onnx --compute n
expect pixel4 mbench grade model.onnx --device pix
expect zoo:mobilenet_v2 mbench grade zoo:mobilenet_v
expect --wide mbench devices --w
expect --format mbench grade --wide --form    # a flag takes no value: the next word is free
expect_not --per-layer mbench grade model.onnx --p
expect --per-layer mbench run model.onnx --per
touch "$dir/model.tflite"
expect "$dir/model.tflite" mbench analyze "$dir/model.t"
if [ "$failures" -ne 0 ]; then
  echo "completion_test: $failures completions wrong"
  exit 1
fi
echo "completion_test: every completion as expected"
