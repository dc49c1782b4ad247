/* qemu_driver.h: registration of the QEMU driver. */
#pragma once

int qemuRegister(void);
