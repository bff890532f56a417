# A minimal image for NAS users: the static Linux binary and nothing else (no shell, no libc,
# no /etc). Build it from a release (scripts/release.sh writes dist/):
#   docker build -t dialbox .                                      (x86_64)
#   docker build --build-arg PLATFORM=linux-arm64 -t dialbox .     (ARM64 NAS, Raspberry Pi)
# Run it with the data in a volume and the address phones reach the NAS at:
#   docker run -d --name dialbox -p 3000:3000 -v dialbox-data:/data \
#     -e DIALBOX_PUBLIC_URL=http://192.168.1.20:3000 dialbox
#   docker logs dialbox | grep 'First start'        (the first admin password, printed once)
FROM scratch
ARG PLATFORM=linux-x86_64
ARG VERSION=1.0.0
COPY dist/dialbox-${VERSION}-${PLATFORM}/dialbox /dialbox
# inside a container the box's LAN address is not ours to see: give DIALBOX_PUBLIC_URL. The
# image has no zone database for the machine's zone: the office zone is set here (change it
# with -e DIALBOX_TIMEZONE=…)
ENV DIALBOX_DATA_DIR=/data \
    DIALBOX_LISTEN=0.0.0.0:3000 \
    DIALBOX_TIMEZONE=Asia/Shanghai
VOLUME /data
EXPOSE 3000
ENTRYPOINT ["/dialbox"]
