import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { isInsideContainer } from '../../src/runtime/inside.js'
import { containerIdFromMountinfo } from '../../src/runtime/mountinfo.js'

// Captured with `docker run --rm conlink-test-node cat /proc/self/mountinfo` (Docker 20.10).
const DOCKER = `76 51 0:39 / / rw,relatime master:3 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/3FTNPZMXWJLIEOJI23UT4OEZVZ:/var/lib/docker/overlay2/l/KVH5JJMFLCBLX43ODXPPRRT2RV:/var/lib/docker/overlay2/l/SZK65PM2PUT2B45CCVLKIQQDEO,upperdir=/var/lib/docker/overlay2/a99d682711d5a97b17c7b1cd19504b3b0a03c0329e24355a23a267fbdcd9ca7a/diff,workdir=/var/lib/docker/overlay2/a99d682711d5a97b17c7b1cd19504b3b0a03c0329e24355a23a267fbdcd9ca7a/work
93 76 254:0 /var/lib/docker/containers/0560e41fcd8e5b9fa8b616adc02a7bf6534f0625aaa2b35e88cc7c409396b27c/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
94 76 254:0 /var/lib/docker/containers/0560e41fcd8e5b9fa8b616adc02a7bf6534f0625aaa2b35e88cc7c409396b27c/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
95 76 254:0 /var/lib/docker/containers/0560e41fcd8e5b9fa8b616adc02a7bf6534f0625aaa2b35e88cc7c409396b27c/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534`
// Captured with `podman run --rm conlink-test-node cat /proc/self/mountinfo` (Podman 4.3).
const PODMAN = `81 53 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/containers/storage/overlay/l/MB6RECQT2TFOZBKTJQIC7XQ7VZ:/var/lib/containers/storage/overlay/l/4K3VX5GY22LTDHYMF5I2UIMP2M,upperdir=/var/lib/containers/storage/overlay/5e26fbae46748fb510f4e6f9d7f33b177eb2a05e914628d87cdb84ab28fb8cc1/diff,workdir=/var/lib/containers/storage/overlay/5e26fbae46748fb510f4e6f9d7f33b177eb2a05e914628d87cdb84ab28fb8cc1/work,uuid=on,fsync=volatile
87 81 254:0 /run/containers/storage/overlay-containers/0e08fb5a105815d32624684bf4eb790865042b64e81317fa259224795b644c17/userdata/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
90 81 254:0 /run/containers/storage/overlay-containers/0e08fb5a105815d32624684bf4eb790865042b64e81317fa259224795b644c17/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
91 81 254:0 /run/containers/storage/overlay-containers/0e08fb5a105815d32624684bf4eb790865042b64e81317fa259224795b644c17/userdata/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534`
// The test machine itself (a VM whose root file system still has /.dockerenv).
const HOST = `22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334492k,nr_inodes=3083623,mode=755
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684092k`

describe('containerIdFromMountinfo', () => {
  it('finds the Docker container id', () => {
    assert.equal(containerIdFromMountinfo(DOCKER), '0560e41fcd8e5b9fa8b616adc02a7bf6534f0625aaa2b35e88cc7c409396b27c')
  })
  it('finds the Podman container id', () => {
    assert.equal(containerIdFromMountinfo(PODMAN), '0e08fb5a105815d32624684bf4eb790865042b64e81317fa259224795b644c17')
  })
  it('finds nothing on a host', () => {
    assert.equal(containerIdFromMountinfo(HOST), undefined)
    assert.equal(containerIdFromMountinfo(''), undefined)
  })
  it('ignores container directories mounted elsewhere than /etc/hosts|hostname|resolv.conf', () => {
    const line = '99 76 254:0 /var/lib/docker/containers/' + 'a'.repeat(64) + '/data /data rw - ext4 /dev/vda rw'
    assert.equal(containerIdFromMountinfo(line), undefined)
  })
})

describe('isInsideContainer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h5-inside-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, text: string) => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }
  const none = join(dir, 'missing')

  it('is true for a Docker or Podman mountinfo', () => {
    assert.equal(isInsideContainer({ mountinfoPath: file('d', DOCKER), containerenvPath: none, cgroupPath: none }), true)
    assert.equal(isInsideContainer({ mountinfoPath: file('p', PODMAN), containerenvPath: none, cgroupPath: none }), true)
  })
  it('is true with /run/.containerenv', () => {
    assert.equal(isInsideContainer({ mountinfoPath: file('h', HOST), containerenvPath: file('ce', ''), cgroupPath: none }), true)
  })
  it('is true for a cgroup v1 container path', () => {
    const cgroup = file('cg', '4:memory:/docker/' + 'b'.repeat(64) + '\n')
    assert.equal(isInsideContainer({ mountinfoPath: file('h', HOST), containerenvPath: none, cgroupPath: cgroup }), true)
  })
  it('is false on a host, even one with /.dockerenv', () => {
    const cgroup = file('cg0', '0::/\n1:cpu:/\n')
    assert.equal(isInsideContainer({ mountinfoPath: file('h', HOST), containerenvPath: none, cgroupPath: cgroup }), false)
  })
})
