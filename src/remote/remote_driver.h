/* remote_driver.h: the driver behind qvirt+unix:// URIs: every call goes to qvirtd over
 * libvirt's wire protocol (plus qvirt's own program for what libvirt has no words for). */
#pragma once

int remoteRegister(void);
