# espurna_ota_pre.py — a PlatformIO pre-script for ESPurna's own code/ tree. ESPurna's
# scripts/pio_pre.py chooses the upload protocol itself, after platformio.ini was read (espota
# when ESPURNA_IP is set, else esptool), so `upload_protocol = custom` would be lost; listed after
# it in extra_scripts (pre:), this script puts back the protocol platformio.ini names, so that
# the environment's upload_command (espurna-ota) runs. Environments without upload_protocol are
# left as they are.
from SCons.Script import Import

Import("env")
env = globals()["env"]

protocol = env.GetProjectOption("upload_protocol", "")
if protocol:
    env.Replace(UPLOAD_PROTOCOL=protocol)
