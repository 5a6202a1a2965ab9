"""The clinic's report-signing key: made on first use, kept in the data folder.

The certificate is self-signed and is a leaf, not a CA (key usage digitalSignature and
nonRepudiation): poppler then reports it as "issuer unknown" rather than damaged (see
DESIGN). Nobody vouches for a self-signed key, so its SHA-256 fingerprint is printed on
every report cover and by ``verify``: an inspector compares the two, and a file
re-signed with another key shows another fingerprint.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from inventory.errors import LedgerError
from inventory.paths import data_dir

KEY_FILE = "report-signing-key.pem"
CERT_FILE = "report-signing-cert.pem"
KEY_BITS = 3072
VALID_YEARS = 30


@dataclass(frozen=True)
class ClinicKey:
    """The signing key and its certificate, as files and as their fingerprint."""

    key_path: Path
    cert_path: Path
    cert_der: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.cert_der)

    @property
    def cert_pem(self) -> str:
        return (
            x509.load_der_x509_certificate(self.cert_der)
            .public_bytes(serialization.Encoding.PEM)
            .decode("ascii")
        )

    def private_key(self) -> rsa.RSAPrivateKey:
        # Our own key from our own folder: skip the slow RSA consistency check (100 ms).
        key = serialization.load_pem_private_key(
            self.key_path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        return key


def fingerprint(cert_der: bytes) -> str:
    """SHA-256 of the certificate, in groups of four hex digits for reading aloud."""
    digest = hashlib.sha256(cert_der).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def signing_dir() -> Path:
    return data_dir() / "signing"


def ensure_clinic_key(clinic_name: str) -> ClinicKey:
    """This workstation's signing key, created the first time a report is exported."""
    folder = signing_dir()
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    if not (key_path.exists() and cert_path.exists()):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _create(folder, clinic_name)
        except OSError as exc:
            raise LedgerError(
                f"The report signing key cannot be created in {folder}: {exc.strerror or exc}."
            ) from exc
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise LedgerError(
            f"The report signing certificate {cert_path} cannot be read ({exc}). Move the "
            "folder aside to make a new key; reports signed before keep the old fingerprint."
        ) from exc
    return ClinicKey(key_path, cert_path, cert.public_bytes(serialization.Encoding.DER))


def _create(folder: Path, clinic_name: str) -> None:
    """Write key and certificate atomically; a second process racing us keeps the first."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    cert = make_certificate(key, clinic_name)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        tmp_key, tmp_cert = Path(tmp) / KEY_FILE, Path(tmp) / CERT_FILE
        fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key_pem)
        tmp_cert.write_bytes(cert_pem)
        try:
            os.link(tmp_key, folder / KEY_FILE)
        except FileExistsError:
            return  # another export made the key a moment ago; use that one
        with contextlib.suppress(FileExistsError):
            os.link(tmp_cert, folder / CERT_FILE)


def make_certificate(key: rsa.RSAPrivateKey, clinic_name: str) -> x509.Certificate:
    """A self-signed leaf certificate for signing reports (not a CA)."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{clinic_name} report signing"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, clinic_name[:64] or "Clinic"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * VALID_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def sign_bytes(data: bytes, key: ClinicKey) -> bytes:
    """RSA PKCS#1 v1.5 with SHA-256 over ``data`` (the manifest's signature)."""
    return key.private_key().sign(data, padding.PKCS1v15(), hashes.SHA256())


def verify_bytes(data: bytes, signature: bytes, cert: x509.Certificate) -> bool:
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        return False
    try:
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def leaf_problem(cert: x509.Certificate) -> str | None:
    """Why a certificate is not a clinic signing certificate, or None when it is one."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound as exc:
        return f"its certificate lacks {exc.oid.dotted_string}"
    if basic.ca:
        return "its certificate is a CA certificate, not a signing certificate"
    if not (usage.digital_signature and usage.content_commitment):
        return "its certificate is not meant for signatures (key usage)"
    return None


def sign_pdf(src: Path, dst: Path, key: ClinicKey, *, reason: str, location: str) -> None:
    """Sign the finished PDF (an invisible signature that PDF readers list)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(str(key.key_path), str(key.cert_path))
    if signer is None:
        raise LedgerError(f"The report signing key in {key.key_path.parent} cannot be read.")
    meta = signers.PdfSignatureMetadata(
        field_name="ClinicSignature", md_algorithm="sha256", reason=reason, location=location
    )
    with src.open("rb") as infile, dst.open("wb") as outfile:
        writer = IncrementalPdfFileWriter(infile, strict=False)
        signers.sign_pdf(writer, meta, signer=signer, output=outfile)
