import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../../common/permissions';
import { PkiService } from './pki.service';

/** The alliance CA's public material, for anyone who verifies grants without the hub. */
@Controller('pki')
export class PkiController {
  constructor(private readonly pki: PkiService) {}

  /** The CRL in force (PEM), reissued on every revocation and before it goes stale. */
  @Get('crl')
  @Public()
  @Header('content-type', 'application/x-pem-file')
  @Header('cache-control', 'no-cache')
  async crl(): Promise<string> {
    return (await this.pki.currentCrl()).crlPem;
  }

  /** The CA chain (PEM): issuing CA, then the root (the trust anchor). */
  @Get('ca')
  @Public()
  @Header('content-type', 'application/x-pem-file')
  ca(): Promise<string> {
    return this.pki.chainPem();
  }
}
