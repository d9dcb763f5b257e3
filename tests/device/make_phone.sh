#!/usr/bin/env bash
# Scripts a phone for tests/device/fake_adb.sh: make_phone.sh FAKE_ADB_DIR SERIAL MANUFACTURER
# MODEL SOC_MODEL [ABI] [STATE]. Two CPUs (this machine has at least two): cpu0 a 1.8 GHz
# Cortex-A55, cpu1 a 2.84 GHz Cortex-A76, schedutil, two thermal zones.
set -eu
root=$1 serial=$2 maker=$3 model=$4 soc=$5 abi=${6:-arm64-v8a} state=${7:-device}
p=$root/$serial
mkdir -p "$p/fs/proc" "$p/fs/data/local/tmp"
echo "$serial $state" >> "$root/devices"
cat > "$p/props" <<PROPS
[ro.build.version.release]: [14]
[ro.build.version.sdk]: [34]
[ro.product.manufacturer]: [$maker]
[ro.product.model]: [$model]
[ro.product.device]: [fake]
[ro.product.cpu.abi]: [$abi]
[ro.soc.manufacturer]: [QTI]
[ro.soc.model]: [$soc]
[ro.board.platform]: [fakeplat]
PROPS
{
  for cpu in 0 1; do
    part=0xd05; [ $cpu = 1 ] && part=0xd0b
    printf 'processor\t: %s\nBogoMIPS\t: 38.40\nCPU implementer\t: 0x41\nCPU part\t: %s\n\n' $cpu $part
  done
  printf 'Hardware\t: Qualcomm Technologies, Inc %s\n' "$soc"
} > "$p/fs/proc/cpuinfo"
for cpu in 0 1; do
  d=$p/fs/sys/devices/system/cpu/cpu$cpu
  mkdir -p "$d/cpufreq"
  max=1785600; [ $cpu = 1 ] && max=2841600
  echo 300000 > "$d/cpufreq/cpuinfo_min_freq"
  echo $max > "$d/cpufreq/cpuinfo_max_freq"
  echo $max > "$d/cpufreq/scaling_max_freq"
  echo $max > "$d/cpufreq/scaling_cur_freq"
  echo schedutil > "$d/cpufreq/scaling_governor"
  echo 1 > "$d/online"
done
for z in 0 1; do
  d=$p/fs/sys/class/thermal/thermal_zone$z
  mkdir -p "$d"
  if [ $z = 0 ]; then echo cpu-1-0 > "$d/type"; else echo battery > "$d/type"; fi
  echo 41000 > "$d/temp"
done
