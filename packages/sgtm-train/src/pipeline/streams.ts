/** The bilingual Brown corpus as SGTM's two domains: cipher = forget, English = retain (@gradloc/models). */
export { bilingualDomains as domainStreams } from '@gradloc/models';
