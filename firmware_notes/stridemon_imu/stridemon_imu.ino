// stridemon open firmware: LSM6DS3 (XIAO nRF52840 Sense) → BLE notifications. MIT licence.
// Packet and GATT layout: firmware_notes/README.md (decoder: stridemon/devices/stridemon_fw.py).
#include <ArduinoBLE.h>
#include <LSM6DS3.h>
#include <Wire.h>

LSM6DS3 imu(I2C_MODE, 0x6A);
BLEService svc("5d7e0001-8c2b-4f1e-9a51-3c8e1b2a6d40");
BLECharacteristic dataChr("5d7e0002-8c2b-4f1e-9a51-3c8e1b2a6d40", BLENotify, 12 + 19 * 12);
BLECharacteristic ctrlChr("5d7e0003-8c2b-4f1e-9a51-3c8e1b2a6d40", BLERead | BLEWrite, 6);
BLEService battSvc("180F");
BLEUnsignedCharCharacteristic battChr("2A19", BLERead | BLENotify);

static uint16_t rateHz = 104, gyroFs = 2000; static uint8_t accFs = 16, status = 0;
static uint16_t seq = 0; static uint8_t pkt[12 + 19 * 12]; static uint8_t n = 0;
static const uint8_t PER_PACKET = 8;
static uint32_t nextUs, t0Us;

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static uint8_t gyroCode(uint16_t fs) { uint8_t c = 0; while ((125u << c) < fs && c < 4) c++; return c; }

static void publishConfig() {
  uint8_t b[6] = {status}; put16(b + 1, rateHz); b[3] = accFs; put16(b + 4, gyroFs);
  ctrlChr.writeValue(b, 6);
}

static bool applyConfig(uint16_t r, uint8_t a, uint16_t g) {
  if (!(r == 50 || r == 100 || r == 104 || r == 200 || r == 208)) return false;
  if (!(a == 2 || a == 4 || a == 8 || a == 16)) return false;
  if (!(g == 125 || g == 250 || g == 500 || g == 1000 || g == 2000)) return false;
  imu.settings.accelSampleRate = r <= 52 ? 52 : (r <= 104 ? 104 : 208);
  imu.settings.gyroSampleRate = imu.settings.accelSampleRate;
  imu.settings.accelRange = a; imu.settings.gyroRange = g;
  imu.begin();
  rateHz = r; accFs = a; gyroFs = g; n = 0;
  return true;
}

static void onControl(BLEDevice, BLECharacteristic c) {
  const uint8_t *v = c.value();
  if (c.valueLength() == 6 && v[0] == 1) {
    status = applyConfig(v[1] | v[2] << 8, v[3], v[4] | v[5] << 8) ? 0 : 1;
  } else {
    status = 1;
  }
  publishConfig();
}

void setup() {
  imu.begin();
  applyConfig(rateHz, accFs, gyroFs);
  BLE.begin();
  String name = "stridemon-" + BLE.address().substring(12, 14) + BLE.address().substring(15, 17);
  name.replace(":", "");
  BLE.setLocalName(name.c_str());
  BLE.setAdvertisedService(svc);
  svc.addCharacteristic(dataChr); svc.addCharacteristic(ctrlChr);
  battSvc.addCharacteristic(battChr);
  BLE.addService(svc); BLE.addService(battSvc);
  ctrlChr.setEventHandler(BLEWritten, onControl);
  publishConfig(); battChr.writeValue(100);
  BLE.advertise();
  nextUs = micros();
}

void loop() {
  BLE.poll();
  uint32_t now = micros();
  if ((int32_t)(now - nextUs) < 0) return;
  uint32_t dt = 1000000UL / rateHz;
  nextUs += dt;  // sample on a fixed grid of the device clock
  if (n == 0) t0Us = now;
  float s[6] = {imu.readFloatAccelX(), imu.readFloatAccelY(), imu.readFloatAccelZ(),
                imu.readFloatGyroX(), imu.readFloatGyroY(), imu.readFloatGyroZ()};
  uint8_t *p = pkt + 12 + n * 12;
  for (int i = 0; i < 6; i++) {
    float fs = i < 3 ? accFs : gyroFs;
    float v = s[i] / fs * 32768.0f;
    v = v > 32767 ? 32767 : (v < -32768 ? -32768 : v);
    put16(p + 2 * i, (uint16_t)(int16_t)v);
  }
  if (++n < PER_PACKET) return;
  pkt[0] = 1; pkt[1] = n; put16(pkt + 2, seq++); put32(pkt + 4, t0Us); put16(pkt + 8, dt);
  pkt[10] = accFs; pkt[11] = gyroCode(gyroFs);
  if (BLE.connected()) dataChr.writeValue(pkt, 12 + n * 12);
  n = 0;
}
